// Planted violation (service-knows-no-slack): a part of a service (deliveries.ts next to service.ts) importing the Web API.
import type { WebClient } from '@slack/web-api';

export type Planted = WebClient;
