"""One address in front of several desk replicas, for local runs (`make run DESK_REPLICAS=2`).

A TCP proxy: each client connection goes to the next replica in turn (HTTP
keep-alive connections and WebSockets stay on the replica they reached, which
is all the desk needs: its state is in SQL and Redis). A replica that refuses
the connection is skipped, so killing one loses no new request. In production
the Kubernetes Service or the shop's load balancer does this instead.

    python scripts/proxy.py --listen 8000 --to 127.0.0.1:8001,127.0.0.1:8002

Standard library only.
"""

import argparse
import asyncio
import itertools
import signal


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except RuntimeError:
            pass


class Proxy:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends, self.turn = backends, itertools.count()

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        start = next(self.turn)
        for i in range(len(self.backends)):
            host, port = self.backends[(start + i) % len(self.backends)]
            try:
                return await asyncio.wait_for(asyncio.open_connection(host, port), 2)
            except (OSError, asyncio.TimeoutError):
                continue
        return None

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        backend = await self.connect()
        if backend is None:  # every replica is down: the client sees a closed connection, as with no proxy
            client_writer.close()
            return
        backend_reader, backend_writer = backend
        await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))


async def serve(listen_host: str, listen_port: int, backends: list[tuple[str, int]]) -> None:
    proxy = Proxy(backends)
    server = await asyncio.start_server(proxy.handle, listen_host, listen_port, backlog=1024)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--to", required=True, help="host:port,host:port,...")
    args = parser.parse_args()
    backends = [(part.rsplit(":", 1)[0], int(part.rsplit(":", 1)[1])) for part in args.to.split(",")]
    asyncio.run(serve(args.host, args.listen, backends))


if __name__ == "__main__":
    main()
