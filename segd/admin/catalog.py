"""The catalog of source types, each with a setup snippet pointing at this daemon.

Snippets name the write key `<WRITE_KEY>` (the client substitutes it when the caller
may see it) and the daemon's public addresses, filled in by `render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class SourceType:
    id: str
    title: str
    category: str
    description: str
    language: str
    #: Placeholders: {{http}} the HTTP API's base URL, {{http_hostport}} its host:port,
    #: {{http_host}}, {{http_port}}, {{http_scheme}}, {{grpc}} the gRPC address.
    snippet: str


WEBSITE, MOBILE, SERVER = "Website", "Mobile", "Server"

CATALOG: tuple[SourceType, ...] = (
    SourceType(
        "javascript",
        "JavaScript",
        WEBSITE,
        "Analytics.js (@segment/analytics-next) in the browser.",
        "javascript",
        """import { AnalyticsBrowser } from '@segment/analytics-next'

export const analytics = AnalyticsBrowser.load({
  writeKey: '<WRITE_KEY>',
  cdnSettings: { integrations: { 'Segment.io': {
    apiKey: '<WRITE_KEY>', apiHost: '{{http_hostport}}/v1', protocol: '{{http_scheme}}',
  } } },
})
analytics.track('Order Completed', { revenue: 42 })""",
    ),
    SourceType(
        "ios",
        "iOS",
        MOBILE,
        "Analytics-Swift in an iOS app.",
        "swift",
        """let configuration = Configuration(writeKey: "<WRITE_KEY>")
    .apiHost("{{http_hostport}}/v1")
    .cdnHost("{{http_hostport}}/v1")
let analytics = Analytics(configuration: configuration)
analytics.track(name: "Order Completed")""",
    ),
    SourceType(
        "android",
        "Android",
        MOBILE,
        "Analytics-Kotlin in an Android app.",
        "kotlin",
        """val analytics = Analytics("<WRITE_KEY>", applicationContext) {
    apiHost = "{{http_hostport}}/v1"
    cdnHost = "{{http_hostport}}/v1"
}
analytics.track("Order Completed")""",
    ),
    SourceType(
        "react_native",
        "React Native",
        MOBILE,
        "@segment/analytics-react-native in a React Native app.",
        "javascript",
        """import { createClient } from '@segment/analytics-react-native'

const segmentClient = createClient({
  writeKey: '<WRITE_KEY>',
  proxy: '{{http}}/v1/batch',
})
segmentClient.track('Order Completed')""",
    ),
    SourceType(
        "python",
        "Python",
        SERVER,
        "segment-analytics-python in a Python service.",
        "python",
        """import segment.analytics as analytics

analytics.write_key = "<WRITE_KEY>"
analytics.host = "{{http}}"
analytics.track("user-1", "Order Completed", {"revenue": 42})""",
    ),
    SourceType(
        "node",
        "Node.js",
        SERVER,
        "@segment/analytics-node in a Node.js service.",
        "javascript",
        """const { Analytics } = require('@segment/analytics-node')

const analytics = new Analytics({ writeKey: '<WRITE_KEY>', host: '{{http}}' })
analytics.track({ userId: 'user-1', event: 'Order Completed' })""",
    ),
    SourceType(
        "go",
        "Go",
        SERVER,
        "analytics-go in a Go service.",
        "go",
        """client, _ := analytics.NewWithConfig("<WRITE_KEY>", analytics.Config{
	Endpoint: "{{http}}",
})
defer client.Close()
client.Enqueue(analytics.Track{UserId: "user-1", Event: "Order Completed"})""",
    ),
    SourceType(
        "java",
        "Java",
        SERVER,
        "analytics-java in a JVM service.",
        "java",
        """Analytics analytics = Analytics.builder("<WRITE_KEY>")
    .endpoint("{{http}}")
    .build();
analytics.enqueue(TrackMessage.builder("Order Completed").userId("user-1"));""",
    ),
    SourceType(
        "ruby",
        "Ruby",
        SERVER,
        "analytics-ruby in a Ruby service.",
        "ruby",
        """analytics = Segment::Analytics.new(
  write_key: '<WRITE_KEY>', host: '{{http_host}}', port: {{http_port}}, ssl: false
)
analytics.track(user_id: 'user-1', event: 'Order Completed')""",
    ),
    SourceType(
        "php",
        "PHP",
        SERVER,
        "analytics-php in a PHP application.",
        "php",
        """Segment::init("<WRITE_KEY>", ["host" => "{{http_hostport}}", "ssl" => false]);
Segment::track(["userId" => "user-1", "event" => "Order Completed"]);""",
    ),
    SourceType(
        "http_api",
        "HTTP API",
        SERVER,
        "Segment's HTTP Tracking API, from any language.",
        "shell",
        """curl {{http}}/v1/track -u '<WRITE_KEY>:' \\
  -H 'Content-Type: application/json' \\
  -d '{"userId": "user-1", "event": "Order Completed"}'""",
    ),
    SourceType(
        "grpc",
        "segd gRPC",
        SERVER,
        "This daemon's gRPC Collector service (segd.api.v1.Collector).",
        "shell",
        """segd send track "Order Completed" --user-id user-1 \\
  --write-key <WRITE_KEY> --addr {{grpc}}""",
    ),
)

_BY_ID = {entry.id: entry for entry in CATALOG}


def source_type(type_id: str) -> SourceType | None:
    return _BY_ID.get(type_id)


def render(snippet: str, http_url: str, grpc_address: str) -> str:
    """Fill a snippet's address placeholders."""
    url = urlsplit(http_url.rstrip("/"))
    scheme = url.scheme or "http"
    port = url.port or (443 if scheme == "https" else 80)
    host = url.hostname or "127.0.0.1"
    values = {
        "http": http_url.rstrip("/"),
        "http_hostport": url.netloc or host,
        "http_host": host,
        "http_port": str(port),
        "http_scheme": scheme,
        "grpc": grpc_address,
    }
    for name, value in values.items():
        snippet = snippet.replace("{{" + name + "}}", value)
    return snippet
