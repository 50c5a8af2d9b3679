// Planted violation (service-knows-no-slack): a service importing the Web API.
import type { WebClient } from '@slack/web-api';

export type Planted = WebClient;
