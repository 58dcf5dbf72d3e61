import { z } from 'zod';

// zod compiles object parsers with `new Function` where it can; the page's Content-Security-Policy
// allows no eval, and zod's probe for it is itself reported as a violation. Before any schema exists.
z.config({ jitless: true });
