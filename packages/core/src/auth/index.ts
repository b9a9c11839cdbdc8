// @custodian/core/auth — accounts, sessions, tenant membership, invites and operator grants (docs/server.md).
export { newToken, hashToken, sameHash, type NewToken } from './tokens.js';
export { DEFAULT_PERMISSIONS, ROLE_RANK, permissionMatrix, can, isRole, type Role, type PermissionMatrix } from './permissions.js';
export { signIn, deleteAccount, accountRecord, type SignInIdentity, type SignInOptions, type Account, type OpenedSession } from './accounts.js';
export { resolveSession, endSession, listSessions, type ResolvedSession, type ActiveGrant } from './sessions.js';
export { createInvite, acceptInvite, listInvites, revokeInvite, type CreatedInvite, type InviteSummary, type InviteActor } from './invites.js';
export { listMembers, membershipsOf, changeRole, removeMember, addMember, type Member, type MemberActor } from './memberships.js';
export { openGrant, revokeGrant, listGrants, isOperator, setOperator, type OperatorGrant } from './grants.js';
export { isUuid, uuidOrFail } from './ids.js';
export { auditAuth } from './audit.js';
