"""A local Microsoft Graph v1.0 and Entra ID token endpoint over TLS, for real msal + httpx.

One HTTPS server on ``127.0.0.1`` (a ``trustme`` test CA) answers both: ``/v1.0/...`` is
Graph (:mod:`.graph`, model in :mod:`.state`), everything else the token endpoint
(:mod:`.tokens`). Faults are in :mod:`.server`, the pytest fixture in :mod:`.fixture`.

Pointing real msal at it (all three matter)::

    http = httpx.Client(verify=server.client_ssl_context())
    app = msal.ConfidentialClientApplication(
        server.client_id,
        client_credential=server.client_secret,
        authority=server.authority,        # https://127.0.0.1:PORT/<tenant id>
        http_client=http,                  # verify=ca_path is overridden by REQUESTS_CA_BUNDLE
        instance_discovery=False,          # else msal asks login.microsoftonline.com
    )
    token = app.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
    graph = httpx.Client(base_url=server.base_url, verify=server.client_ssl_context(),
                         headers={"Authorization": f"Bearer {token['access_token']}"})

With a certificate credential msal puts ``client_assertion`` in the form as bytes, which
httpx sends as ``b'...'`` (AADSTS50027 here, as at Microsoft): wrap the httpx client so
bytes form values are decoded (``daemon.transports.oauth.entra.MsalHttp`` does).
"""
