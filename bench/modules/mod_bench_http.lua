-- The HTTP workload's handler: GET /bench/hello answers "hello".
-- Safe to copy: one copy per CPU (bench/run's -workers, the
-- bench_http_workers option, overrides it; -workers 1 for one instance).
if module.set_workers then module:set_workers("auto"); end
module:provides("http", {
	default_path = "/bench";
	route = {
		["GET /hello"] = function(event)
			event.response.headers.content_type = "text/plain";
			return "hello\n";
		end;
	};
});
