export {
  decideKeyAttentionEscalation,
  type EscalationDecision,
  type EscalationWindow,
  escalationWindow,
  KEY_ATTENTION_EXTENDED_MONTHS,
  KEY_ATTENTION_SECTOR_THRESHOLD,
  KEY_ATTENTION_WINDOW_MONTHS,
  type KeyAttentionListing,
  type KeyAttentionStanding,
  keyAttentionStanding,
  ListsDomainError,
  normalizeSector,
} from './key-attention-escalation';
export { DESIGNATION_END_FIELD, groupListMemberships, type ListMemberships } from './list-memberships';
