"""Order confirmations on the in-memory wiring: a paid order's buyer gets their ticket codes by email."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.memory.email import MemoryEmailSender
from tests.fixtures.api import register
from tests.fixtures.jobs import run_outbox
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, order


async def test_a_free_order_is_confirmed_with_its_ticket_codes(memory_client: AsyncTestClient[Litestar]) -> None:
    owner = await register(memory_client)
    org = await owner.create_org()
    buyer = await add_member(owner, org["id"])
    event = await create_event(owner, org["id"], title="Harbour Concert")
    ticket_type = await create_ticket_type(owner, org["id"], event["id"])
    placed = await order(buyer, org["id"], event["id"], (ticket_type["id"], 2))
    assert placed.status_code == 201, placed.text

    await run_outbox(memory_client.app)
    await run_outbox(memory_client.app)

    sender = await memory_client.app.state.dishka_container.get(MemoryEmailSender)
    confirmations = [m for m in sender.sent if m.subject == "Your tickets for Harbour Concert"]
    assert [m.to for m in confirmations] == [buyer.email]
    codes = [ticket["code"] for ticket in placed.json()["tickets"]]
    assert len(codes) == 2 and all(code in confirmations[0].text for code in codes)
