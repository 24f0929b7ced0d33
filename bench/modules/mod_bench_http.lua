-- The HTTP workload's handler: GET /bench/hello answers "hello".
module:provides("http", {
	default_path = "/bench";
	route = {
		["GET /hello"] = function(event)
			event.response.headers.content_type = "text/plain";
			return "hello\n";
		end;
	};
});
