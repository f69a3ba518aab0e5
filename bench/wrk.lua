-- wrk script for bench/run.py.
--
--   wrk ... -s bench/wrk.lua <url> -- get           GET <url>; 2xx counts as success
--   wrk ... -s bench/wrk.lua <url> -- sign <nonce>  POST a signature with a unique email
--                                                   to <url>; only 302 counts as success
--   wrk ... -s bench/wrk.lua <url> -- letter <nonce>  POST a letter (email route, model
--                                                   letter) with a unique email; 302 only
--   wrk ... -s bench/wrk.lua <url> -- subscribe <nonce>  POST the subscribe form with a
--                                                   unique email (subscriber-…, which the
--                                                   confirmation email check leaves out);
--                                                   302 only
--   wrk ... -s bench/wrk.lua <base> -- confirm <nonce> <file> <threads>
--                                                   POST each confirmation path of <file>
--                                                   once (thread t takes lines t, t+threads,
--                                                   …); 200 only; a thread stops when its
--                                                   share is used up
--
-- done() prints one line, "BENCH_JSON {...}", that run.py parses: wrk's own totals and
-- latency percentiles (microseconds), plus our success/failure counts and the number of
-- requests each thread started (so requests left in flight when wrk stops are known).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  mode = args[1] or "get"
  nonce = args[2] or "x"
  sent, ok, bad, other = 0, 0, 0, 0
  if mode == "get" then
    static = wrk.format("GET")
  end
  if mode == "confirm" then
    paths, used = {}, 0
    local threads_n, n = tonumber(args[4]), 0
    for line in io.lines(args[3]) do
      if n % threads_n == tid then
        table.insert(paths, line)
      end
      n = n + 1
    end
  end
end

function request()
  if mode == "confirm" then
    used = used + 1
    if used > #paths then
      -- Every link of this thread's share was used: stop rather than replay one (a replay
      -- is a 409, another path). This last request goes to the bare view, uncounted.
      wrk.thread:stop()
      return wrk.format("GET", "/healthz/")
    end
    sent = sent + 1
    return wrk.format("POST", paths[used], { ["Content-Length"] = "0" }, "")
  end
  sent = sent + 1
  if mode == "get" then
    return static
  end
  if mode == "subscribe" then
    local form = "language=en&first_name=Ada&email=subscriber-" .. nonce .. "-" .. tid .. "-"
      .. sent .. "%40example.org"
    return wrk.format(
      "POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, form
    )
  end
  -- One new supporter per request: bench-<run nonce>-<thread>-<n>@example.org
  local body = "first_name=Ada&last_name=Bench&country=CA&email=bench-" .. nonce .. "-"
    .. tid .. "-" .. sent .. "%40example.org"
  if mode == "letter" then
    body = body .. "&city=Lyon&route=email"
  end
  return wrk.format(
    "POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body
  )
end

function response(status, headers, body)
  if mode == "confirm" and body == "ok" then
    return -- the bare view's answer to a thread that had used up its share
  end
  local good
  if mode == "sign" or mode == "letter" or mode == "subscribe" then
    good = status == 302
  elseif mode == "confirm" then
    good = status == 200
  else
    good = status >= 200 and status < 300
  end
  if good then
    ok = ok + 1
  else
    bad = bad + 1
    if status >= 200 and status < 400 then
      other = other + 1 -- a 2xx/3xx that is still not what this scenario expects
    end
  end
end

function done(summary, latency, requests)
  local t_sent, t_ok, t_bad, t_other = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    t_sent = t_sent + thread:get("sent")
    t_ok = t_ok + thread:get("ok")
    t_bad = t_bad + thread:get("bad")
    t_other = t_other + thread:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us": %d, "requests": %d, "bytes": %d, "sent": %d, "ok": %d, '
      .. '"bad": %d, "unexpected_2xx_3xx": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "status_errors": %d, "p50_us": %d, '
      .. '"p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.duration, summary.requests, summary.bytes, t_sent, t_ok, t_bad, t_other,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean
  ))
end
