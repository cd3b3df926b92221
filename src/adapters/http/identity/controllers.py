"""Routes of sign-up, log-in, log-out and the caller."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, patch, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from adapters.http.auth import bearer_token
from adapters.http.identity.schemas import (
    ChangePasswordBody,
    LoginBody,
    MeOut,
    PasswordResetBody,
    PasswordResetConfirmBody,
    ProfileBody,
    RegisterBody,
    TokenOut,
    UserOut,
    VerifyEmailBody,
)
from adapters.http.schema_kit import to_struct
from application.accounts import (
    ChangePassword,
    ChangePasswordCommand,
    ConfirmEmailVerification,
    ConfirmPasswordReset,
    ConfirmPasswordResetCommand,
    RequestPasswordReset,
    ResendEmailVerification,
    UpdateProfile,
    UpdateProfileCommand,
)
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

    # Rate limited with sign-up and log-in (this router), and 202 whether or not the address has an account.
    @post("/password-reset", status_code=HTTP_202_ACCEPTED, summary="Email a password reset link (1 hour)")
    async def password_reset(
        self, data: JSONBody[PasswordResetBody], use_case: FromDishka[RequestPasswordReset]
    ) -> None:
        await use_case.execute(data.email)

    @post(
        "/password-reset/confirm",
        status_code=HTTP_204_NO_CONTENT,
        summary="Set a new password with a reset token; every session of the account ends",
    )
    async def password_reset_confirm(
        self, data: JSONBody[PasswordResetConfirmBody], use_case: FromDishka[ConfirmPasswordReset]
    ) -> None:
        await use_case.execute(ConfirmPasswordResetCommand(token=data.token, password=data.password))

    @post("/verify-email/confirm", status_code=HTTP_204_NO_CONTENT, summary="Confirm the account's email address")
    async def verify_email_confirm(
        self, data: JSONBody[VerifyEmailBody], use_case: FromDishka[ConfirmEmailVerification]
    ) -> None:
        await use_case.execute(data.token)

    @post("/verify-email/resend", status_code=HTTP_202_ACCEPTED, summary="Send the caller a new verification link")
    async def verify_email_resend(
        self, principal: FromDishka[Principal], use_case: FromDishka[ResendEmailVerification]
    ) -> None:
        await use_case.execute(principal.user_id)


class MeController(Controller):
    path = "/api/me"
    tags = ["identity"]

    @get("", summary="The caller and their memberships")
    async def me(self, principal: FromDishka[Principal], use_case: FromDishka[GetMe]) -> MeOut:
        return to_struct(await use_case.execute(principal), MeOut)

    @patch("", summary="Change the caller's name")
    async def update(
        self,
        data: JSONBody[ProfileBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdateProfile],
        me: FromDishka[GetMe],
    ) -> MeOut:
        await use_case.execute(UpdateProfileCommand(user_id=principal.user_id, name=data.name))
        return to_struct(await me.execute(principal), MeOut)

    @post("/password", status_code=HTTP_204_NO_CONTENT, summary="Change the password; the caller's other sessions end")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ChangePasswordBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[ChangePassword],
    ) -> None:
        await use_case.execute(
            ChangePasswordCommand(
                user_id=principal.user_id,
                current_token=bearer_token(request),
                current_password=data.current_password,
                new_password=data.new_password,
            )
        )
