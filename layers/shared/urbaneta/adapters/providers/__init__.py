"""Payment providers: Paysera checkout 1.6 and MakeCommerce (Maksekeskus). Each client takes an optional
httpx transport, which tests replace; credentials come from the provider secret (``config``)."""
