"""What every capability's routes share: the base of request bodies, common field types, paging parameters,
and the one conversion from a use case's result to a response Struct."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

import msgspec
from litestar.params import FromPath, HeaderParameter, Parameter
from msgspec import UNSET, Meta, Struct

Name = Annotated[str, Meta(min_length=1, max_length=200)]
Slug = Annotated[str, Meta(min_length=1, max_length=63, pattern=r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")]
Timezone = Annotated[str, Meta(min_length=1, max_length=64, examples=["Europe/Paris"])]
EntitlementValue = int | bool | None

# Path and query parameters.
Id = FromPath[uuid.UUID]
Limit = Annotated[int | None, Parameter(ge=1, le=100, required=False, description="page size (1-100)")]
Cursor = Annotated[str | None, Parameter(max_length=200, required=False)]
# Any creating route that takes a client's retry key (order placement): passed on to the use case.
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[!-~]+$",
        required=False,
        description="a key of the client's choosing: a repeat answers with the first answer, never a second order",
    ),
]


class Input(Struct, forbid_unknown_fields=True, frozen=True):
    """Base of request bodies: an unknown field is a client's mistake worth a 400."""


class Patch(Input, frozen=True):
    """Base of partial updates: only the fields sent change (UNSET marks a field not sent)."""

    def changes(self) -> dict[str, Any]:
        return {name: value for name in self.__struct_fields__ if (value := getattr(self, name)) is not UNSET}


S = TypeVar("S", bound=Struct)


def to_struct(value: object, struct: type[S]) -> S:
    """Copy a use case's result (a dataclass, or a list of them under `items`) into the response Struct."""
    return msgspec.convert(value, struct, from_attributes=True)
