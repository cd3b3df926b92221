import asyncio

from adapters.persistence.connection import FairGate


async def test_slots_go_to_waiters_first_come_first_served() -> None:
    gate = FairGate(1)
    await gate.acquire()
    order: list[int] = []

    async def waiter(n: int) -> None:
        await gate.acquire()
        order.append(n)
        await asyncio.sleep(0)
        gate.release()

    tasks = [asyncio.create_task(waiter(n)) for n in range(5)]
    await asyncio.sleep(0)
    gate.release()
    # A newcomer arriving while others wait must queue behind them, not barge in.
    late = asyncio.create_task(waiter(99))
    await asyncio.gather(*tasks, late)
    assert order == [0, 1, 2, 3, 4, 99]


async def test_a_cancelled_waiter_neither_loses_nor_keeps_a_slot() -> None:
    gate = FairGate(1)
    await gate.acquire()
    cancelled = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    gate.release()
    await asyncio.wait_for(gate.acquire(), 1)  # the slot came back
    handed = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # handed to the waiter...
    handed.cancel()  # ...which is cancelled before it runs: the slot must pass on
    await asyncio.gather(handed, return_exceptions=True)
    await asyncio.wait_for(gate.acquire(), 1)
