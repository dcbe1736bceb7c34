from segd.cli import main

# Guarded: worker processes (the warehouse loader) re-import the main module.
if __name__ == "__main__":
    raise SystemExit(main())
