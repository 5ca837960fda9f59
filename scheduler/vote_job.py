"""Scheduled job: close the votes whose time has come and publish their results (公开公示)."""

import logging

from handlers.votes import publish_result
from models import Role
from scheduler.env import JobEnv
from scheduler.jobs import queue, writer
from services import directory, votes

log = logging.getLogger("gridbot.jobs")


async def close_votes(env: JobEnv) -> int:
    """Close due votes, publish each result in its group and ask the managers for the decision;
    return how many closed."""
    async with env.sessions() as session, session.begin():
        ctx = writer(env, session)
        closed = await votes.close_due(session, now=env.clock.now())
        for topic in closed:
            managers = await directory.people_with_role(session, Role.MANAGER,
                                                        community_id=topic.community_id)
            await publish_result(ctx, topic, list(managers))
        queue(env, ctx, urgent=True)  # published at the closing time, as announced
    if closed:
        log.info("votes closed", extra={"votes": len(closed)})
    return len(closed)
