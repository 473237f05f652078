/** An HTTP route: what each route module builds from the engine's deps, and a Lambda entry serves. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export type Route = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
