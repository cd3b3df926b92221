from tests.fixtures.api import register


async def test_register_login_me_and_org(client):
    user = await register(client)
    org = await user.create_org("Smoke")
    me = (await client.get("/api/me", headers=user.headers)).json()
    assert me["memberships"] == [{"organization_id": org["id"], "role": "owner"}]
