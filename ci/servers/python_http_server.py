"""A small MCP server built on the official Python SDK (`mcp`, MCPServer), over Streamable HTTP.

mcpspec's interop run (ci/interop.sh, the `interop_python_sdk_http` golden test) starts it to see
how the Python SDK's HTTP transport behaves. It is not part of mcpspec and implements no protocol by
hand: every answer's shape and every error comes from the SDK. It offers read-only tools (one slow,
with progress), a static resource, a resource template, a prompt and argument completion; it
declares no logging capability (the SDK leaves that out unless a handler is registered).

Usage: python python_http_server.py PORT   (or MCPSPEC_PY_HTTP_PORT=PORT); serves 127.0.0.1:PORT/mcp.
"""

import os
import sys

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    Completion,
    PromptReference,
    ResourceTemplateReference,
    ToolAnnotations,
)

READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True, openWorldHint=False)

# A fixed little catalogue, so every answer is the same from run to run.
SHELF = {
    "rivers": "Rivers run downhill and carry sediment towards the sea.",
    "stars": "Stars fuse light elements into heavier ones in their cores.",
    "trees": "Trees add one growth ring per year in temperate climates.",
}
TONES = ["brief", "friendly", "formal"]
SHELF_TEMPLATE = "notes://shelf/{topic}"
# Pause per step of `slow_steps`: long enough that a call is still running 100 ms in.
STEP_PAUSE_S = 0.5

server = MCPServer(
    name="mcpspec-python-http",
    version="0.1.0",
    instructions="A test target for mcpspec: counts words, flips text and lends short notes.",
    log_level="WARNING",
)


@server.tool(title="Word counter", description="Counts the whitespace-separated words in a text.", annotations=READ_ONLY)
def count_words(text: str) -> int:
    return len(text.split())


@server.tool(title="Text flipper", description="Returns the text with its characters in reverse order.", annotations=READ_ONLY)
def flip_text(text: str) -> str:
    return text[::-1]


@server.tool(
    title="Slow stepper",
    description=(
        "Walks through a few numbered steps, pausing half a second on each and reporting progress, "
        "then says how many it took. Slow on purpose, so a call stays in flight long enough to be "
        "cancelled or overlapped."
    ),
    annotations=READ_ONLY,
)
async def slow_steps(ctx: Context, steps: int = 3) -> str:
    count = max(0, min(steps, 5))
    for done in range(1, count + 1):
        await anyio.sleep(STEP_PAUSE_S)
        await ctx.report_progress(done, count, f"step {done} of {count}")
    return f"walked {count} step(s)"


@server.resource("notes://about", name="about", title="About this server", mime_type="text/plain")
def about() -> str:
    return "This server exists so that mcpspec can exercise the Python SDK over Streamable HTTP."


@server.resource(
    SHELF_TEMPLATE,
    name="shelf-note",
    title="A note from the shelf",
    description="One short note per topic: rivers, stars or trees.",
    mime_type="text/plain",
)
def shelf_note(topic: str) -> str:
    if topic not in SHELF:
        raise ResourceNotFoundError(f"no note about {topic!r}")
    return SHELF[topic]


@server.prompt(title="Explain a topic", description="Asks for an explanation of a topic in a chosen tone.")
def explain(topic: str, tone: str = "brief") -> str:
    return f"Explain {topic} in a {tone} tone, in at most three sentences."


@server.completion()
async def complete(ref, argument, context):
    # The SDK hands every completion request to this handler, known reference or not: telling
    # an unknown prompt or template apart is the server author's job.
    if isinstance(ref, PromptReference):
        if ref.name != "explain":
            raise MCPError(INVALID_PARAMS, f"unknown prompt {ref.name!r}")
        pool = {"tone": TONES, "topic": sorted(SHELF)}.get(argument.name)
    elif isinstance(ref, ResourceTemplateReference):
        if ref.uri != SHELF_TEMPLATE:
            raise MCPError(INVALID_PARAMS, f"unknown resource template {ref.uri!r}")
        pool = sorted(SHELF) if argument.name == "topic" else None
    else:
        pool = None
    if pool is None:
        return None
    prefix = argument.value or ""
    hits = [v for v in pool if v.startswith(prefix)]
    return Completion(values=hits, total=len(hits), hasMore=False)


def main() -> None:
    port = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MCPSPEC_PY_HTTP_PORT")
    if not port:
        sys.exit("usage: python_http_server.py PORT (or set MCPSPEC_PY_HTTP_PORT)")
    server.run("streamable-http", host="127.0.0.1", port=int(port))


if __name__ == "__main__":
    main()
