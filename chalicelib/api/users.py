"""User endpoints: list, create (FlexMeasures 1.0), read, update (roles, activation), audit log, password reset."""
from __future__ import annotations

from typing import Any

from chalicelib.api.query import parse_query
from chalicelib.api.routing import ApiRequest
from chalicelib.auth.access import require_account, require_user, require_user_auditlog
from chalicelib.auth.permissions import CREATE_CHILDREN, READ, UPDATE
from chalicelib.schemas.audit import AuditLogArgs
from chalicelib.schemas.users import UserCreate, UserListArgs, UserPatch, user_json
from chalicelib.schemas.validation import validate
from chalicelib.services import users as service
from chalicelib.services.loaders import account_or_404, user_or_404


def list_users(req: ApiRequest) -> Any:
    return service.listing(req.user, parse_query(UserListArgs, req.query))


def create_user(req: ApiRequest) -> Any:
    body = validate(UserCreate, req.json())
    account = account_or_404(body.account_id)
    require_account(req.user, CREATE_CHILDREN, account.id, account)
    return service.create_by_api(req.user, body), 201


def get_user(req: ApiRequest, id: int) -> Any:
    target = user_or_404(id)
    require_user(req.user, READ, target)
    return user_json(target)


def patch_user(req: ApiRequest, id: int) -> Any:
    # FlexMeasures validates the body before it looks the user up.
    body = validate(UserPatch, req.json())
    target = user_or_404(id)
    require_user(req.user, UPDATE, target)
    return service.update(req.user, target, body)


def user_auditlog(req: ApiRequest, id: int) -> Any:
    # Query arguments are parsed before the user is loaded, as in FlexMeasures.
    args = parse_query(AuditLogArgs, req.query)
    target = user_or_404(id)
    require_user_auditlog(req.user, target)
    return service.audit_log(target, args)


def reset_password(req: ApiRequest, id: int) -> Any:
    target = user_or_404(id)
    require_user(req.user, UPDATE, target)
    service.reset_password(req.user, target)
    return {}
