/** Each mutation describes itself in the registry; the outbox and the activity feed read it from there. */
export { describeMutation, type Names } from '../domain/index.ts';
