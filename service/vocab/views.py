"""``GET /vocab``: the vocabularies with Chinese and English labels, for any signed-in role."""

from __future__ import annotations

from fastapi import APIRouter

from gongjian.service.deps import CurrentUser
from gongjian.service.vocab.schemas import Vocab
from gongjian.service.vocab.service import vocab

__all__ = ["router"]

router = APIRouter(tags=["vocab 词表"])


@router.get("/vocab", summary="词表与默认值 Vocabularies and defaults", response_model=Vocab)
def get_vocab(user: CurrentUser) -> Vocab:
    """Resource kinds, unit types, joint types, need categories and statuses, user
    roles (each value with its 中文 and English label), the planner's default
    weights and the current quarter (Asia/Shanghai)."""
    del user  # any signed-in role
    return vocab()
