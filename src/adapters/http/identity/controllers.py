"""Routes of sign-up, log-in, log-out and the caller."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from adapters.http.auth import bearer_token
from adapters.http.identity.schemas import LoginBody, MeOut, RegisterBody, TokenOut, UserOut
from adapters.http.schema_kit import to_struct
from application.identity import GetMe, LogIn, LogInCommand, LogOut, RegisterUser, RegisterUserCommand
from domain.permissions import Principal


class AuthController(Controller):
    path = "/api/auth"
    tags = ["identity"]

    @post("/register", summary="Create an account")
    async def register(self, data: JSONBody[RegisterBody], use_case: FromDishka[RegisterUser]) -> UserOut:
        result = await use_case.execute(RegisterUserCommand(email=data.email, password=data.password, name=data.name))
        return to_struct(result, UserOut)

    @post("/login", status_code=HTTP_200_OK, summary="Exchange email and password for a bearer token")
    async def login(self, data: JSONBody[LoginBody], use_case: FromDishka[LogIn]) -> TokenOut:
        issued = await use_case.execute(LogInCommand(email=data.email, password=data.password))
        return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)

    @post("/logout", status_code=HTTP_204_NO_CONTENT, summary="Revoke the token of this request")
    async def logout(
        self, request: Request[Any, Any, Any], principal: FromDishka[Principal], use_case: FromDishka[LogOut]
    ) -> None:
        await use_case.execute(bearer_token(request))


class MeController(Controller):
    path = "/api/me"
    tags = ["identity"]

    @get("", summary="The caller and their memberships")
    async def me(self, principal: FromDishka[Principal], use_case: FromDishka[GetMe]) -> MeOut:
        return to_struct(await use_case.execute(principal), MeOut)
