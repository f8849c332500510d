-- wrk script: GET each path of BENCH_PATHS (one a line) in turn, with the bench token.
-- BENCH_DELAY_MS > 0 waits that long after each answer before a connection's next request:
-- with C connections, about C * 1000 / BENCH_DELAY_MS requests a second (a fixed rate).
-- Prints one line "BENCH_JSON {...}" with the counts and latency percentiles (microseconds).

local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local headers = { Authorization = "Bearer " .. os.getenv("BENCH_TOKEN") }
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local next_thread = 0
local position = 0

function setup(thread)
  -- Threads start at different places in the list, so they do not ask in step.
  next_thread = next_thread + 1
  thread:set("position", next_thread * 7919)
end

function init(args)
  position = position or 0
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], headers)
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
