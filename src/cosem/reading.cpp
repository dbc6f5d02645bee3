// placeholder: implemented by its layer
