# Written by the self-service front end: John raised his own PHP memory
# limit, which Pro's manage_php_settings permission lets him do.
subscriber_settings "doe.example" {
  hosting {
    php_settings = {
      memory_limit = "512M"
    }
  }
}
