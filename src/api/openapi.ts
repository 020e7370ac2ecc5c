/** OpenAPI description of the HTTP API, generated from the route schemas, served at /api/docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Http } from './server.js';

export async function registerOpenApi(app: Http): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'sealift gateway API',
        description: 'Stamp requests and approvals, stamp logs and evidence, elevator faults. Log in with POST /api/login.',
        version: '1',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'sealift_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
  });
  // swagger-ui ships its assets in the package: works with no internet.
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
}
