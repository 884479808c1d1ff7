"""QA service functions: take the caller's Session (the request's transaction), never commit."""
