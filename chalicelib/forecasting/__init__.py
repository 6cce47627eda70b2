"""Forecasting's pure core: `forecaster.forecast` predicts a sensor's next events from its history and regressors
(numpy and pandas, loaded only by the forecaster worker); `plan` turns a trigger's timing into viewpoints (stdlib).

Nothing is imported here, so the API can validate a trigger's timing without loading pandas.
"""
