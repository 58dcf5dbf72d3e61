import { z } from 'zod';
import {
	EmailChange,
	ManagedPasswordReset,
	ManagedUserCreate,
	ManagedUserRef,
	ManagedUserUpdate,
	PasswordChange,
	ProfileUpdate
} from '$lib/domain/index.ts';
import { SignIn, SignUp, me, signIn, signOut, signUp, verifyEmail } from './auth-routes.ts';
import { Pay, addCard, pay } from './billing-routes.ts';
import { Resend, resendInvoice } from './invoice-routes.ts';
import { HistoryDiffQuery, HistoryQuery, history, historyDiffRoute } from './history-routes.ts';
import { OrgQuery, mailLog } from './mail-log-routes.ts';
import { createManaged, deleteManaged, resetManagedPassword, updateManaged } from './managed-users-routes.ts';
import { ActivityQuery, ExportQuery, activity, exportOrg, webhookDelivery } from './org-routes.ts';
import { changeEmail, changePassword, resendVerification, updateProfile } from './profile-routes.ts';
import { serveOpenApi } from './openapi.ts';
import { OrgPath, PreviewRequest, previewForSession } from './preview-route.ts';
import { route, type Route } from './route.ts';
import {
	SecretCreate,
	ServiceAccountCreate,
	ServiceAccountRef,
	ServiceAccountsQuery,
	createSecret,
	createServiceAccount,
	deleteServiceAccount,
	listServiceAccounts
} from './service-account-routes.ts';
import { CallbackQuery, LinkBody, ProviderPath, callback, link, providers, start } from './sso-routes.ts';
import { CodeAndPassword, CodeInput, disable, enable, newRecoveryCodes, setup, stepUp } from './two-factor-routes.ts';

/** A JSON body whatever it holds: the route takes nothing, but a write still comes as JSON (which keeps cross-site forms out). */
const AnyJson = z.unknown();

/**
 * Every route of the API, with what it needs before its handler runs: a session, its query's
 * and body's schemas, and what the domain must allow on the organization it names (`org`).
 * The mail log answers 404 on a server with SMTP before its access is asked, and the managed
 * users' and cards' routes go through mutations, whose checks (with the step-up) answer for them.
 */
export const ROUTES: readonly Route[] = [
	route({ method: 'POST', path: '/api/signup', session: false, body: SignUp, handle: signUp }),
	route({ method: 'POST', path: '/api/signin', session: false, body: SignIn, handle: signIn }),
	route({ method: 'POST', path: '/api/signout', session: false, handle: signOut }),
	route({ method: 'GET', path: '/api/verify-email', session: false, handle: verifyEmail }),
	route({ method: 'GET', path: '/api/me', session: true, handle: me }),
	// rules §2 single sign-on: {provider} is read with the query (router.ts).
	route({ method: 'GET', path: '/api/sso/providers', session: false, handle: providers }),
	route({ method: 'GET', path: '/api/sso/{provider}/start', session: false, query: ProviderPath, handle: start }),
	route({ method: 'GET', path: '/api/sso/{provider}/callback', session: false, query: CallbackQuery, handle: callback }),
	route({ method: 'POST', path: '/api/sso/{provider}/link', session: false, query: ProviderPath, body: LinkBody, handle: link }),
	route({ method: 'PATCH', path: '/api/me', session: true, body: ProfileUpdate, handle: updateProfile }),
	route({ method: 'POST', path: '/api/me/email', session: true, body: EmailChange, handle: changeEmail }),
	route({ method: 'POST', path: '/api/me/resend-verification', session: true, body: AnyJson, handle: resendVerification }),
	route({ method: 'POST', path: '/api/me/password', session: true, body: PasswordChange, handle: changePassword }),
	route({ method: 'POST', path: '/api/me/two-factor/setup', session: true, body: AnyJson, handle: setup }),
	// Turning two-factor on or off and new recovery codes: the same body, a code and the password.
	...Object.entries({ enable, disable, 'recovery-codes': newRecoveryCodes }).map(([action, handle]) =>
		route({ method: 'POST', path: `/api/me/two-factor/${action}`, session: true, body: CodeAndPassword, handle })
	),
	route({ method: 'POST', path: '/api/me/step-up', session: true, body: CodeInput, handle: stepUp }),
	route({ method: 'POST', path: '/api/managed-users', session: true, body: ManagedUserCreate, handle: createManaged }),
	route({ method: 'PATCH', path: '/api/managed-users', session: true, body: ManagedUserUpdate, handle: updateManaged }),
	route({ method: 'POST', path: '/api/managed-users/password', session: true, body: ManagedPasswordReset, handle: resetManagedPassword }),
	route({ method: 'DELETE', path: '/api/managed-users', session: true, body: ManagedUserRef, handle: deleteManaged }),
	// rules §5: the HTTP API's description; the API itself (bearer secrets, path parameters) is api-v1.ts.
	route({ method: 'GET', path: '/api/v1/openapi.json', session: false, handle: serveOpenApi }),
	// rules §5: service accounts, through mutations whose checks (with the step-up) answer for them.
	route({ method: 'POST', path: '/api/service-accounts', session: true, body: ServiceAccountCreate, handle: createServiceAccount }),
	route({ method: 'POST', path: '/api/service-accounts/secrets', session: true, body: SecretCreate, handle: createSecret }),
	route({ method: 'DELETE', path: '/api/service-accounts', session: true, body: ServiceAccountRef, handle: deleteServiceAccount }),
	route({ method: 'GET', path: '/api/service-accounts', session: true, query: ServiceAccountsQuery, handle: listServiceAccounts }),
	route({ method: 'GET', path: '/api/activity', session: true, query: ActivityQuery, org: { view: 'activity.read' }, handle: activity }),
	// The HTTP API's preview (api-v1.ts) for a console session; the console itself previews locally with the same domain function.
	route({
		method: 'POST',
		path: '/api/orgs/{org}/preview',
		session: true,
		query: OrgPath,
		body: PreviewRequest,
		handle: previewForSession
	}),
	// rules §2 "History": {org} is read with the query (router.ts).
	route({
		method: 'GET',
		path: '/api/orgs/{org}/history',
		session: true,
		query: HistoryQuery,
		org: { view: 'history.read' },
		handle: history
	}),
	route({
		method: 'GET',
		path: '/api/orgs/{org}/history/diff',
		session: true,
		query: HistoryDiffQuery,
		org: { view: 'history.read' },
		handle: historyDiffRoute
	}),
	route({ method: 'GET', path: '/api/export', session: true, query: ExportQuery, org: { view: 'org.export' }, handle: exportOrg }),
	route({ method: 'GET', path: '/api/mail-log', session: true, query: OrgQuery, handle: mailLog }),
	route({
		method: 'GET',
		path: '/api/webhook-delivery',
		session: true,
		query: OrgQuery,
		org: { view: 'webhook.read' },
		handle: webhookDelivery
	}),
	// The card form's body is checked by the domain's cardFromEntry, after the budget is spent; the card.add mutation by every rule.
	route({ method: 'POST', path: '/api/cards', session: true, handle: addCard }),
	// Sending mail in the organization's name is an act, not a view: held back by its required two-factor.
	route({
		method: 'POST',
		path: '/api/invoices/resend',
		session: true,
		body: Resend,
		org: { act: 'invoice.resend' },
		handle: resendInvoice
	}),
	// A charge is a billing change (rules §4): the organization's required two-factor and the step-up hold here too.
	route({ method: 'POST', path: '/api/invoices/pay', session: true, body: Pay, org: { act: 'invoice.pay' }, handle: pay })
];
