"""One stylization request for every front end: :mod:`nst.request.model` (the request, checked
in full when made) on :mod:`nst.request.rules` (each field's rule and its one-line refusal).
Importing this package imports neither, so the engine contract can use the rules."""
