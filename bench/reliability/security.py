"""7. Security: who may call what, secrets at rest and in logs, TLS and mutual TLS.

The daemon runs with mutual TLS on its gRPC port and HTTPS on its HTTP port
(certificates made here with openssl), logging at debug level. Then:

- every Admin method (from the service descriptor) is called with no token, with a
  revoked token, and, where the method needs more than membership, by a member with
  no role and by a member who may only read another source: UNAUTHENTICATED,
  UNAUTHENTICATED, PERMISSION_DENIED;
- the Collector is called with our client certificate, another CA's, none, and in
  plaintext; HTTPS, and plaintext HTTP on the HTTPS port;
- every admin token and invite token made is searched for in every file of the data
  directory (while running and after the stop), and every token and write key (real,
  rotated, guessed) in everything the daemon printed;
- every error a client saw is searched for traces, file and class names.
"""

from __future__ import annotations

import base64
import ssl
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from google.protobuf.message import Message

from bench.reliability.harness import Result, Workspace, leak_in
from segd.admin.policy import POLICY
from segd.admin.roles import Need
from segd.api.v1 import admin_pb2 as pb
from segd.api.v1 import collector_pb2 as C
from segd.api.v1 import collector_pb2_grpc
from tests.support.admin import METHODS, SERVICE, AdminClient, request_type
from tests.support.daemon import track
from tests.support.tls import Pki, make_pki

UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED
GUESSED_KEY = "guessed-write-key-0123456789abcdef"
GUESSED_INVITE = "c2VnZC1ndWVzc2VkLWludml0ZS10b2tlbi0wMTIzNDU2Nzg5"


@dataclass
class Tally:
    expected: Counter[str] = field(default_factory=Counter)
    matched: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)

    def record(self, kind: str, method: str, code: grpc.StatusCode, want: grpc.StatusCode) -> None:
        self.expected[kind] += 1
        if code == want:
            self.matched[kind] += 1
        else:
            self.wrong.append(f"{method} {kind}: {code.name}, not {want.name}")

    def show(self, kind: str) -> str:
        return f"{self.matched[kind]}/{self.expected[kind]}"


def call(client: AdminClient, method: str, request: Message, tally: Tally) -> grpc.StatusCode:
    try:
        reply = getattr(client, method)(request)
        if METHODS[method].server_streaming:
            next(reply)
            reply.cancel()
    except grpc.RpcError as error:
        details = error.details() or ""
        if (leak := leak_in(details)) is not None:
            tally.leaks.append(f"{method}: {leak!r} in {details!r}")
        return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def make_request(method: str, source_id: int) -> Message:
    request = request_type(method)()
    if "source_id" in request.DESCRIPTOR.fields_by_name:
        request.source_id = source_id  # type: ignore[attr-defined]
    return request


def member(owner: AdminClient, email: str, *grants: pb.RoleGrant) -> tuple[str, str]:
    """A new member (invited, accepted); returns (their token, the used invite token)."""
    invite = owner.CreateInvites(emails=[email], grants=list(grants)).invites[0].token
    return str(owner.as_token(None).AcceptInvite(invite_token=invite).token), str(invite)


def files_holding(data_dir: Path, secrets: list[str]) -> list[str]:
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path.name}: {s[:6]}..." for s in secrets if s.encode() in content]
    return found


def collector_code(address: str, creds: grpc.ChannelCredentials | None, write_key: str) -> str:
    target = f"localhost:{address.rsplit(':', 1)[1]}"
    channel = grpc.secure_channel(target, creds) if creds else grpc.insecure_channel(target)
    with channel:
        try:
            collector_pb2_grpc.CollectorStub(channel).Send(
                C.SendRequest(write_key=write_key, event=track()), timeout=5
            )
        except grpc.RpcError as error:
            return str(error.code().name)
    return "OK"


def https_status(url: str, write_key: str, context: ssl.SSLContext | None) -> str:
    auth = base64.b64encode(f"{write_key}:".encode()).decode()
    req = urllib.request.Request(
        url,
        b'{"userId": "u1", "event": "Secure"}',
        {"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as reply:
            return str(reply.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except (urllib.error.URLError, ConnectionError) as error:
        return f"refused ({type(error).__name__})"


def run(workdir: Path, quick: bool = False) -> Result:
    result = Result(7, "security")
    pki = make_pki(workdir / "security" / "pki")
    workspace = Workspace.make(workdir / "security", _config(pki), router=False)
    daemon = workspace.daemon().start()
    tally = Tally()
    try:
        target = f"localhost:{daemon.address.rsplit(':', 1)[1]}"
        with grpc.secure_channel(target, pki.channel_credentials("client")) as channel:
            owner = AdminClient(channel, workspace.owner_token)
            s1 = owner.ListSources().sources[0].id
            s2 = owner.CreateSource(name="Second").source.id
            no_role, used_invite = member(owner, "member@example.com")
            read_s2 = pb.RoleGrant(role=pb.ROLE_SOURCE_READ_ONLY, source_ids=[s2])
            reader, other_invite = member(owner, "reader@example.com", read_s2)
            created = owner.CreateToken(name="to revoke")
            owner.RevokeToken(token_id=created.token.id)
            personal = owner.CreateToken(name="ci").secret
            pending = owner.CreateInvites(emails=["pending@example.com"]).invites[0].token
            revoked_invite = owner.CreateInvites(emails=["gone@example.com"]).invites[0]
            owner.RevokeInvite(invite_id=revoked_invite.invite.id)
            rotated = owner.RotateWriteKey(source_id=s1, grace_seconds=3600).write_key
            tokens = [
                workspace.owner_token, no_role, reader, created.secret, personal,
                pending, used_invite, other_invite, revoked_invite.token,
            ]  # fmt: skip
            for method in SERVICE.methods:
                name, need = method.name, POLICY[method.full_name].need
                if need is Need.PUBLIC:  # AcceptInvite: the invite token is the credential
                    anyone = owner.as_token(None)
                    code = call(anyone, name, make_request(name, s1), tally)
                    tally.record("no invite", name, code, grpc.StatusCode.INVALID_ARGUMENT)
                    guessed = pb.AcceptInviteRequest(invite_token=GUESSED_INVITE)
                    code = call(anyone, name, guessed, tally)
                    tally.record("guessed invite", name, code, UNAUTHENTICATED)
                    continue
                for kind, token in (("no token", None), ("revoked token", created.secret)):
                    code = call(owner.as_token(token), name, make_request(name, s1), tally)
                    tally.record(kind, name, code, UNAUTHENTICATED)
                if need is Need.MEMBER:
                    continue
                for kind, token in (("no role", no_role), ("another source's reader", reader)):
                    code = call(owner.as_token(token), name, make_request(name, s1), tally)
                    tally.record(kind, name, code, DENIED)
            stored_while_running = files_holding(workspace.data_dir, tokens)
            control_stored = files_holding(workspace.data_dir, [rotated])
        tls = {
            who: collector_code(daemon.address, pki.channel_credentials(who), rotated)
            for who in ("client", "rogue")
        }
        tls["no certificate"] = collector_code(
            daemon.address, pki.channel_credentials(None), rotated
        )
        tls["plaintext"] = collector_code(daemon.address, None, rotated)
        tls["guessed key"] = collector_code(
            daemon.address, pki.channel_credentials("client"), GUESSED_KEY
        )
        port = daemon.http_address.rsplit(":", 1)[1]
        trusting = ssl.create_default_context(cafile=str(pki.ca))
        https = {
            "https": https_status(f"https://localhost:{port}/v1/track", rotated, trusting),
            "http on the https port": https_status(
                f"http://localhost:{port}/v1/track", rotated, None
            ),
            "https, guessed key": https_status(
                f"https://localhost:{port}/v1/track", GUESSED_KEY, trusting
            ),
        }
        exit_code = daemon.stop()
    finally:
        daemon.kill()
    stored_after = files_holding(workspace.data_dir, tokens)
    output = "".join(daemon.raw_output)
    keys = [workspace.write_key, rotated, GUESSED_KEY]
    basic = [base64.b64encode(f"{k}:".encode()).decode() for k in keys]
    logged = [s[:6] + "..." for s in [*tokens, *keys, *basic] if s in output]
    kinds = [
        "no token", "revoked token", "no role", "another source's reader", "no invite",
        "guessed invite",
    ]  # fmt: skip
    result.figure("Admin methods", len(SERVICE.methods))
    for kind in kinds:
        result.figure(kind, tally.show(kind))
    result.figure("errors with internals", len(tally.leaks))
    result.figure("gRPC mTLS", ", ".join(f"{k} {v}" for k, v in tls.items()))
    result.figure("HTTP", ", ".join(f"{k} {v}" for k, v in https.items()))
    result.figure(
        "secrets in data dir", f"{len(stored_while_running) + len(stored_after)} of {len(tokens)}"
    )
    result.figure("secrets in daemon output", f"{len(logged)} of {len(tokens) + len(keys) * 2}")
    result.figure("log lines", len(daemon.raw_output))
    result.check(not tally.wrong, f"{len(tally.wrong)} wrong: {tally.wrong[:3]}")
    result.check(not tally.leaks, f"internals in errors: {tally.leaks[:2]}")
    result.check(
        tls == {"client": "OK", "rogue": "UNAVAILABLE", "no certificate": "UNAVAILABLE",
                "plaintext": "UNAVAILABLE", "guessed key": "UNAUTHENTICATED"},
        f"TLS: {tls}",
    )  # fmt: skip
    result.check(
        https["https"] == "200"
        and https["http on the https port"].startswith("refused")
        and https["https, guessed key"] == "401",
        f"HTTPS: {https}",
    )
    result.check(
        not stored_while_running and not stored_after,
        f"in clear: {stored_while_running + stored_after}",
    )
    result.check(bool(control_stored), "the search does not find a key that is stored on purpose")
    result.check(not logged, f"in the daemon's output: {logged}")
    result.check(exit_code == 0, f"exit code {exit_code}")
    return result


def _config(pki: Pki) -> str:
    return (
        pki.grpc_config(mutual=True)
        + f'[http]\ntls_cert = "{pki.server_cert}"\ntls_key = "{pki.server_key}"\n'
        + '[log]\nlevel = "debug"\n'
    )
