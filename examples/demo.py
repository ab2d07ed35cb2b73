"""`make demo`: starts the embedded server on a temporary SQLite file, runs the quickstart, stops."""

from __future__ import annotations

import asyncio
import os

import quickstart

from labelkit.testing import LocalServer

if __name__ == "__main__":
    with LocalServer.start() as server:
        print(f"labelkit server on {server.url} (temporary SQLite database)")
        os.environ["LABELKIT_URL"] = server.url
        os.environ["LABELKIT_API_KEY"] = server.api_key
        asyncio.run(quickstart.main())
    print("server stopped")
