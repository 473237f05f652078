import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** An API Gateway (REST, proxy integration) handler: what each route module builds. */
export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
