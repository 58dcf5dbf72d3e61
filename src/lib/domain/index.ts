export * from './schemas.ts';
export * from './roles.ts';
export * from './refusals.ts';
export * from './mutations.ts';
export * from './state.ts';
export * from './check.ts';
export * from './org-doc.ts';
export * from './overlay.ts';
