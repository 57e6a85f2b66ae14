"""Vision applications of course 4, weeks 3-4: boxes, detection (YOLO), face verification and
neural style transfer."""
