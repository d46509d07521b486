echo "Hello with parameter 0 = ;PARAM0;"
