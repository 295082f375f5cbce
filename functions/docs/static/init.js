// Urbaneta API documentation page: Swagger UI over the API's own OpenAPI document (no CDN, works offline).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    showExtensions: true, // x-roles: who may call each operation
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
