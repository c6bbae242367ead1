//! A client of riv's HTTP API: upload a request, wait for its outcome, admin calls.
