import { z } from 'zod';

/** The `requests:` section of groundcrew.yml (filled in by the requests capability). */
export const zRequestsConfig = z.looseObject({});
export type RequestsConfig = z.infer<typeof zRequestsConfig>;
