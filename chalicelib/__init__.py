"""flexcloud: the FlexMeasures API v3_0 as a serverless AWS application."""
