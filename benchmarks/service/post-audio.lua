-- wrk script: every request POSTs the audio file named by $AUDIO to the path given on the wrk command line.
local f = assert(io.open(os.getenv("AUDIO"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
wrk.headers["Content-Type"] = "application/octet-stream"
f:close()

local statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function()
  for status, n in pairs(statuses) do io.write(string.format("status %d: %d responses\n", status, n)) end
end
