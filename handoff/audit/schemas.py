from pydantic import BaseModel, ConfigDict, computed_field

from handoff.audit.service import ACTION_NAMES, ENTITY_NAMES
from handoff.core.clock import UtcDatetime


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: UtcDatetime
    actor_id: int | None
    actor_name: str
    entity: str
    entity_key: str
    action: str
    before: dict | None
    after: dict | None

    @computed_field
    def entity_label(self) -> str:
        return ENTITY_NAMES.get(self.entity, self.entity)

    @computed_field
    def action_label(self) -> str:
        return ACTION_NAMES.get(self.action, self.action)
