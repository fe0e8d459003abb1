"""The HTTP service (``nst serve``) and its scale-out on Ray: front ends over the engine contract."""
