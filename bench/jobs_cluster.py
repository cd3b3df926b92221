"""Jobs on a 3-master Redis Cluster vs the same broker on one Redis, in the same run.

    .venv/bin/python bench/jobs_cluster.py [--jobs 20000] [--concurrency 500]

Both Redis deployments come from the same redis-server binary (>= 7, tests/redis_cluster.py): one plain
server, and three `--cluster-enabled` masters. Per variant: a fresh hash-tagged stream, one worker subprocess
(taskiq's receiver, a no-op task, ready before the clock starts), the producer in this process with
`--concurrency` kicks in flight; the clock stops when every job ran and was acked. Goal: the cluster at
>= 0.8x the single Redis (its stream lives on one master, so it should be about the same: the cost is
the cluster client's routing).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from redis.asyncio import Redis  # noqa: E402
from redis.asyncio.cluster import RedisCluster  # noqa: E402
from scripts.redis_cluster import redis_binaries, running_cluster  # noqa: E402
from scripts.services import free_port  # noqa: E402
from summary import emit  # noqa: E402
from taskiq import AsyncBroker  # noqa: E402
from taskiq.api import run_receiver_task  # noqa: E402

from adapters.queue import ReliableRedisStreamBroker  # noqa: E402
from adapters.queue.cluster import ClusterReliableStreamBroker  # noqa: E402

TASK_NAME = "bench.noop"
GOAL = 0.8


def build_broker(variant: str, url: str, queue: str) -> AsyncBroker:
    kind = ClusterReliableStreamBroker if variant == "cluster" else ReliableRedisStreamBroker
    broker = kind(url, queue_name=queue, consumer_group_name="bench", xread_block=1000)

    @broker.task(task_name=TASK_NAME)
    async def noop() -> None:
        return None

    return broker


async def run_worker(variant: str, url: str, queue: str) -> None:
    broker = build_broker(variant, url, queue)
    broker.is_worker_process = True
    await broker.startup()
    print("ready", flush=True)
    await run_receiver_task(broker, run_startup=False)


async def run_variant(variant: str, url: str, jobs: int, concurrency: int) -> float:
    queue = f"{{bench-{variant}-{uuid.uuid4().hex[:8]}}}"
    worker = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", variant, url, queue, stdout=asyncio.subprocess.PIPE
    )
    client: Any = RedisCluster.from_url(url) if variant == "cluster" else Redis.from_url(url)
    try:
        assert worker.stdout is not None
        if (await worker.stdout.readline()).strip() != b"ready":
            raise RuntimeError(f"{variant} worker failed to start")
        broker = build_broker(variant, url, queue)
        await broker.startup()
        task = broker.find_task(TASK_NAME)
        assert task is not None
        started = time.perf_counter()
        for first in range(0, jobs, concurrency):
            await asyncio.gather(*(task.kiq() for _ in range(min(concurrency, jobs - first))))
        [(last_id, _)] = await client.xrevrange(queue, count=1)
        while True:
            [group] = await client.xinfo_groups(queue)
            if group["last-delivered-id"] == last_id and group["pending"] == 0:
                break
            await asyncio.sleep(0.005)
        seconds = time.perf_counter() - started
        await broker.shutdown()
        return jobs / seconds
    finally:
        worker.kill()
        await worker.wait()
        await client.delete(queue)
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=500)
    args = parser.parse_args()
    server, _ = redis_binaries()
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        single = subprocess.Popen(
            [
                server,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                directory,
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.5)
            with running_cluster() as cluster:
                single_url = f"redis://127.0.0.1:{port}/0"
                rates = {
                    "single": asyncio.run(run_variant("single", single_url, args.jobs, args.concurrency)),
                    "cluster": asyncio.run(run_variant("cluster", cluster.url, args.jobs, args.concurrency)),
                }
        finally:
            single.terminate()
            single.wait()
    ratio = rates["cluster"] / rates["single"]
    print(f"{args.jobs} no-op jobs, 1 worker: single Redis {rates['single']:,.0f} jobs/s, "
          f"3-master cluster {rates['cluster']:,.0f} jobs/s, ratio {ratio:.2f} (goal >= {GOAL})")  # fmt: skip
    emit(
        "jobs_cluster",
        [
            {"target": "ReliableRedisStreamBroker, single Redis", "baseline": True, "throughput": rates["single"],
             "unit": "jobs/s", "note": f"{args.jobs} no-op jobs, 1 worker, concurrency {args.concurrency}"},
            {"target": "ClusterReliableStreamBroker, 3-master cluster", "throughput": rates["cluster"],
             "unit": "jobs/s", "ratio": ratio,
             "note": f"goal >= {GOAL} x single" + ("" if ratio >= GOAL else "; GOAL MISSED")},
        ],
    )  # fmt: skip
    sys.exit(0 if ratio >= GOAL else 1)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, worker_variant, worker_url, worker_queue = sys.argv
        asyncio.run(run_worker(worker_variant, worker_url, worker_queue))
    else:
        main()
