// Loaded in <head>: lets the style sheet hide a pair until both of its images are ready.
// Without JavaScript the class is absent and the images show as they load.
document.documentElement.classList.add("js");
