-- wrk script of the load scenarios (tests/reliability/test_load.py).
-- Paths come from the file named by NEWSROOM_PATHS (one per line: "GET /path" or "SIGNUP /newsletter/");
-- each thread walks them from its own offset. Per second (os.time) it counts answers by status class,
-- and done() prints one JSON line with totals by status and the per-second timeline.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("NEWSROOM_PATHS")) do table.insert(paths, line) end
  counter = (id * 7919) % #paths
  sent = 0
  statuses = {}
  -- Flat tables: wrk's thread:get() crashes on nested ones.
  ok, err, limited = {}, {}, {}
end

function request()
  counter = counter % #paths + 1
  local method, path = paths[counter]:match("^(%S+) (%S+)$")
  if method == "SIGNUP" then
    sent = sent + 1
    local body = "form=box&frequency=daily&email=charge-" .. id .. "-" .. sent .. "%40example.org"
    return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local second = os.time()
  local bucket = ok
  if status == 429 then bucket = limited elseif status >= 400 then bucket = err end
  bucket[second] = (bucket[second] or 0) + 1
end

function done(summary, latency, requests)
  local total_status, total_timeline = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total_status[status] = (total_status[status] or 0) + n end
    for column, name in ipairs({"ok", "err", "limited"}) do
      for second, n in pairs(thread:get(name)) do
        local t = total_timeline[second] or {0, 0, 0}
        t[column] = t[column] + n
        total_timeline[second] = t
      end
    end
  end
  local parts = {}
  for status, n in pairs(total_status) do table.insert(parts, string.format('"%d": %d', status, n)) end
  local seconds = {}
  for second, b in pairs(total_timeline) do
    table.insert(seconds, string.format('"%d": [%d, %d, %d]', second, b[1], b[2], b[3]))
  end
  io.write(string.format(
    'NEWSROOM-RESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "statuses": {%s}, "timeline": {%s}}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max,
    table.concat(parts, ", "), table.concat(seconds, ", ")))
end
