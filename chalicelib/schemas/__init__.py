"""pydantic models of every request and response body, and the FlexMeasures error mapping."""
