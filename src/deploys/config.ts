import { z } from 'zod';

/** The `deploys:` section of groundcrew.yml (filled in by the deploys capability). */
export const zDeploysConfig = z.looseObject({});
export type DeploysConfig = z.infer<typeof zDeploysConfig>;
