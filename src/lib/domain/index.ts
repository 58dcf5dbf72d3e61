/** What the app, the server and the tests use of the domain, by name and by the file that holds it. */
export { canReadProject, effectiveProjectRoles, projectRoleSources, type RoleSource } from './access.ts';
export { checkManagedUser, mayAttempt, NOT_A_MEMBER, refusalToAttempt } from './authorize.ts';
export { CARD_BRAND_NAMES, CardEntry, cardFromEntry, cardName, luhnValid } from './cards.ts';
export { checkMutation } from './check.ts';
export { effectiveContact } from './contacts.ts';
export {
	EXPIRY_REMINDER_MS,
	expiryDay,
	expiryHolder,
	expiryKey,
	ExpiryInput,
	ExpiryTarget,
	expiryTargets,
	lesserOrgRole,
	lesserProjectRoles,
	nextExpiryDue,
	type ExpiryHolder,
	type StoredExpiry
} from './expiry.ts';
export { EntryNames, entryNames, recordedNames } from './entry-names.ts';
export { membersCsv, orgExport } from './export.ts';
export {
	afterCharge,
	billingAddress,
	chargeOrder,
	closeWhenFinalIssued,
	dueInvoices,
	toCharge,
	unpaidCents,
	withoutCard
} from './invoice-issuing.ts';
export { Replay, reportAt, type Attribution, type LoggedChanges, type LoggedEntry, type ReadLog } from './history.ts';
export { accessDiff, diffBetween, type AccessDiff, type AccessFact, type DiffLine, type Named, type Person } from './history-diff.ts';
export { diffCsv, historyJson, reportCsv } from './history-export.ts';
export {
	accessReport,
	ReportIndex,
	type AccessReport,
	type Moment,
	type ProjectAccess,
	type ReportMember,
	type ReportProject,
	type ReportSource
} from './history-report.ts';
export { invoiceLines, invoicePeriodLabel, invoiceTotal, periodBounds, priorPeriod } from './invoices.ts';
export {
	managedElsewhere,
	managedElsewhereActor,
	ManagedPasswordReset,
	ManagedUserCreate,
	ManagedUserRef,
	ManagedUserUpdate
} from './managed-users.ts';
export { memberOf, publicProfile } from './members.ts';
export {
	describeMutation,
	Mutation,
	MUTATION_ACCESS,
	MUTATION_TYPES,
	MUTATIONS,
	parseMutation,
	SENSITIVE_MUTATIONS,
	SERVER_ONLY,
	serverOnlyRefusal,
	webhookShown,
	type MutationOf,
	type MutationType,
	type Names,
	type ScopedType
} from './mutations/index.ts';
export { membershipEvents, recordable, type MembershipAlert, type MembershipEvent } from './notifications.ts';
export { applyChanges, applyOrgChanges, OrgDocState } from './org-doc.ts';
export { billingMaps, docMap, locate, MODEL, orgMaps, projectMaps, TABLES, type TableName } from './model.ts';
export { type Directory } from './reader.ts';
export { OverlayState } from './overlay.ts';
export { mayProvision } from './mutations/provisioning.ts';
export {
	AccessChange,
	batchPreview,
	checkBatch,
	Preview,
	PREVIEW_MAX_CHANGES,
	PreviewAccess,
	PreviewPerson,
	PreviewVerdict,
	PreviewVia,
	previewMutations,
	previewReadBy
} from './preview.ts';
export { previewSentence, previewSentences } from './preview-words.ts';
export { Password, PASSWORD_MIN_LENGTH, passwordLength, passwordListKey, weakPassword } from './passwords.ts';
export { formatCents, PLANS } from './plans.ts';
export { issueSentences } from './issue-words.ts';
export { REFUSAL_CODES, refuse, type Refusal, type RefusalCode } from './refusals.ts';
export { mayBeShownEditing, ROW_EDIT_KINDS, type RowEdit } from './row-edits.ts';
export { REFUSAL_RETRY, retryCanSucceed, type RetryRule } from './retry.ts';
export { ACTION_WORDS, ORG_ROLES, PROJECT_ROLES, roleMay, type OrgAction } from './roles.ts';
export { Card, Invoice } from './billing-schemas.ts';
export {
	ContactKind,
	CurrentPassword,
	Deployment,
	DeploymentName,
	DisplayName,
	Email,
	EmailChange,
	emailKey,
	Id,
	INVITATION_TTL_MS,
	invitationStatus,
	JoinRequest,
	Member,
	NotificationChannels,
	WebhookUrl,
	Organization,
	OrgInvitation,
	OrgName,
	OrgRole,
	OrgSecurity,
	OrgSso,
	SsoGrant,
	SsoGroup,
	SsoProviderId,
	PasswordChange,
	Plan,
	ProfileUpdate,
	Project,
	ProjectInvitation,
	ProjectName,
	ProjectRole,
	SECRET_MAX_DAYS_RANGE,
	Team,
	TeamName,
	teamNameKey,
	TwoFactorCode,
	Username,
	UserProfile,
	type InvitationStatus
} from './schemas.ts';
export {
	lacksRequiredTwoFactor,
	needsStepUp,
	orgSessionExpired,
	orgSessionLive,
	securityGate,
	securityOf,
	STEP_UP_TTL_MS,
	type HttpAct
} from './security.ts';
export { type BillingState, type Change, type OrgState } from './state.ts';
export { unknownFields } from './text.ts';
export { type Verdict } from './verdict.ts';
export { accessTouched, mayRead, type AccessTouched, type ReadTarget } from './read-access.ts';
export {
	ORG_TOUCH_EVERY_MS,
	orgSessionVerdict,
	ssoRefusal,
	SESSION_MAX_AGE_S,
	sessionAlive,
	SESSIONS_PER_USER,
	type OrgSessionRecord
} from './session-policy.ts';
export { ssoChanges, ssoManaged, ssoTarget, type SsoTarget } from './sso-mapping.ts';
export { mayAct, mayView, type RouteAct, type RouteView } from './route-access.ts';
export { ServiceAccount, ServiceDescription, ServiceSecret } from './service-account-schemas.ts';
export {
	DAY_MS,
	liveSecrets,
	MAX_LIVE_SECRETS,
	SECRET_MAX_DAYS,
	secretMaxDays,
	secretOpens,
	serviceAccountOf
} from './service-accounts.ts';
