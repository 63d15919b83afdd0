-- wrk script for bench_votes.py: each line of the file is one vote
-- ("session csrf token choice"); each wrk thread takes every Nth line, once.
-- Arguments: the file, N, and the status that counts as ok (200, or 400 for --floor).
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  nthreads = tonumber(args[2])
  expected = tonumber(args[3] or "200")
  lines = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then
      table.insert(lines, line)
    end
    i = i + 1
  end
  next_line = 1
  ok = 0
  failed = 0
  sent = 0
  exhausted = 0
end

function request()
  if next_line > #lines then
    -- Out of votes (the driver makes more than a run can use): a retry, counted once.
    next_line = #lines
    exhausted = 1
  end
  local session, csrf, token, choice = lines[next_line]:match("(%S+) (%S+) (%S+) (%S+)")
  next_line = next_line + 1
  sent = sent + 1
  local headers = {
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
    ["X-CSRFToken"] = csrf,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
  }
  return wrk.format("POST", "/vote/" .. token .. "/", headers, "choice=" .. choice)
end

function response(status, headers, body)
  if status == expected then
    ok = ok + 1
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_failed, total_sent, out = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_failed = total_failed + thread:get("failed")
    total_sent = total_sent + thread:get("sent")
    out = out + thread:get("exhausted")
  end
  io.write(string.format("VOTES sent=%d ok=%d failed=%d exhausted=%d\n",
    total_sent, total_ok, total_failed, out))
end
