"""Calling other government systems, safely: registered connectors, never URLs.

An admin registers a connector (``/admin/connectors``, ``permitflow connectors add``):
its base URL, authentication (the secret named by an environment variable), timeout,
retries with backoff, rate limit, and its operations (method, path, request and
response fields). A BPMN service task names ``pf:connector="connector.operation"``
with ``pf:input``/``pf:output`` mappings in the safe expression language; validation
refuses a URL, an unknown connector or operation and an unmapped field.

- :mod:`registry`: the connectors in the database;
- :mod:`client`: the one HTTP client, which only calls a registered connector's host
  and never follows a redirect;
- :mod:`calls`: a case waiting at a service task, the call in the background, its
  answer mapped into the case, or an incident after the retries;
- :mod:`rate_limits`: each connector's calls a minute, shared through Redis when set;
- :mod:`stubs`: local servers shaped like the population registry (Dukcapil) and
  OSS-RBA, for tests and the demo.
"""
