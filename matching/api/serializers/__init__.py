"""Input and output serializers of the API, by area. Amounts leave as strings."""
