"""Sign in and out of the console: ``/session`` (see :mod:`gongjian.service.auth.session`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field, model_validator

from gongjian.service.auth import session as sessions
from gongjian.service.auth.passwords import check_login
from gongjian.service.auth.schemas import User
from gongjian.service.auth.views import TAG
from gongjian.service.deps import State, audit_note
from gongjian.service.errors import ForbiddenError, UnauthorizedError

__all__ = ["SessionInfo", "SignIn", "router"]

router = APIRouter(tags=[TAG])


class SignIn(BaseModel):
    """What signs a user in: a user name and password, or the user's token."""

    token: str | None = Field(
        default=None, min_length=1, max_length=500, description="用户令牌 the user's token"
    )
    username: str | None = Field(default=None, min_length=1, max_length=64, description="用户名")
    password: str | None = Field(default=None, min_length=1, max_length=200, description="密码")

    @model_validator(mode="after")
    def _one_way(self) -> SignIn:
        by_password = self.username is not None or self.password is not None
        if by_password == (self.token is not None):
            raise ValueError(
                "请填写用户名和密码，或只填写令牌 (send username and password, or a token)"
            )
        if by_password and (self.username is None or self.password is None):
            raise ValueError("用户名和密码都要填写 (both username and password are needed)")
        return self


class SessionInfo(BaseModel):
    """The signed-in user and the CSRF token its cookie-authenticated writes must send."""

    user: User
    csrf_token: str = Field(
        description=f"每次写操作放在 {sessions.CSRF_HEADER} 请求头中；只保存在页面内存里 "
        f"(send it in the {sessions.CSRF_HEADER} header of every write; keep it in memory only)"
    )
    expires_in: int = Field(description="闲置多少秒后会话结束 (seconds of idleness that end it)")


def _same_origin(request: Request) -> None:
    """403 for a sign-in posted from another site's page (its ``Origin`` names it)."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    if urlsplit(origin).netloc != request.headers.get("host", ""):
        raise ForbiddenError("不接受来自其他网站的登录请求 (sign-in from another origin refused)")


@router.post("/session", summary="登录，设置会话 Cookie Sign in (sets the session cookie)")
def sign_in(body: SignIn, state: State, request: Request, response: Response) -> SessionInfo:
    """Check the token (or the user name and password) and start a session: an
    HttpOnly, SameSite=Strict cookie. Repeated wrong passwords lock the login (429).

    The token itself is not kept by the browser; API clients go on sending it as
    ``Authorization: Bearer …`` and need no session.
    """
    _same_origin(request)
    if body.token is not None:
        user = state.user_by_token(body.token.strip())
        if user is None:
            raise UnauthorizedError("令牌无效或已停用 (invalid or disabled token)")
    else:
        assert body.username is not None and body.password is not None
        user = check_login(state, username=body.username, password=body.password)
    store = sessions.sessions(request)
    previous = request.cookies.get(sessions.COOKIE)
    if previous:
        store.delete(previous)  # a new sign-in never keeps an older session id
    session_id, session = store.create(user)
    sessions.set_cookie(request, response, session_id)
    request.state.user = user
    audit_note(request, "登录（会话）")
    return SessionInfo(user=user, csrf_token=session.csrf_token, expires_in=session.expires_in)


@router.get("/session", summary="当前会话 The current session")
async def current_session(request: Request) -> SessionInfo:
    """The cookie's session, with its CSRF token (401 without a live session)."""
    session = sessions.session_of(request)
    if session is None:
        raise UnauthorizedError("未登录或会话已过期 (no session, or it has expired)")
    return SessionInfo(
        user=session.user, csrf_token=session.csrf_token, expires_in=session.expires_in
    )


@router.delete("/session", status_code=204, summary="退出登录 Sign out")
def sign_out(request: Request, response: Response) -> None:
    """End the cookie's session and clear the cookie (204 also when there was none)."""
    session_id = request.cookies.get(sessions.COOKIE, "")
    session = sessions.session_of(request) if session_id else None
    if session is not None:
        sessions.check_csrf(request, session)
        sessions.sessions(request).delete(session_id)
        request.state.user = session.user
        audit_note(request, "退出（会话）")
    sessions.clear_cookie(request, response)
