-- wrk script: POST one AdmissionReview per request, keep-alive, and print a machine-readable summary.
-- WRK_BODY is the payload file; WRK_PATH the request path (default /validate).
local path = os.getenv("WRK_BODY")
local f = assert(io.open(path, "rb"), "WRK_BODY must name a readable payload file")
wrk.method = "POST"
wrk.path = os.getenv("WRK_PATH") or "/validate"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

-- errors.status counts responses with a status of 400 or more; every non-2xx/3xx answer is an error here.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
      '"write_errors":%d,"status_errors":%d,"timeout_errors":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
